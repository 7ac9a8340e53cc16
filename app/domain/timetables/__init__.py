"""
Statutory election timetables: uk-election-timetables, wrapped, with its gaps filled.

This is the only package that imports `uk_election_timetables`. What the package does well
(working-day counting, the per-kind day counts, GOV.UK's bank holidays) is used as it is;
what it lacks or gets wrong in 5.0.2 is filled here with the same working-day machinery
and a cited rule (docs/law.md, "Differences from uk-election-timetables"):

* no parish or community council type;
* PCC close of nominations is the 18th working day in the package; the rule is the 19th;
* a general election uses the earliest date across separate national calendars, not one
  calendar in which a bank holiday anywhere in the UK is a dies non;
* general-election SOPN is 5pm on the last day for nominations, not the next working day
  (Northern Ireland: 6pm, Scotland's local elections: as soon as practicable after 4pm);
* referendums raise NotImplementedError;
* its bank holidays end in 2028;
* it has no days of public thanksgiving or mourning and no earliest notice in Scotland;
* Greater London Authority nominations close on its 22nd working day; the rule is the 24th;
* it applies today's rules to every date; polls held under earlier timetables are refused
  here (`poll_rules.check_rules_in_force`).

The statement of persons nominated is modelled the same way for every kind: `sopn_publish`
is when it is published if there are no objections, `sopn_publish_latest` the latest the
law allows if there are (the same event where the law sets one deadline for both).
"""

from app.domain.timetables.calendar import working_days_before
from app.domain.timetables.compute import compute_timetable
from app.domain.timetables.model import Timetable, TimetableEvent

__all__ = ["Timetable", "TimetableEvent", "compute_timetable", "working_days_before"]
