"""
Who is standing, and the national register of parties: the values post screening reads.

Candidates are typed in by the Clerk from the statement of persons nominated (town and
parish councils) or imported from Democracy Club's candidate CSV; parties come from the
Electoral Commission's register as shipped (`data/parties.csv`), extended by a policy.
"""

from dataclasses import dataclass

__all__ = ["Candidate", "Party", "Ward"]


@dataclass(frozen=True, slots=True)
class Candidate:
    """
    One person standing in one election (a person standing in two elections is two).

    Attributes:
        candidate_id: the store's id (`cand-...`).
        election_id: the election (or ballot paper) id they stand in.
        name: the name as on the statement of persons nominated.
        party: the party name, or None for an independent or unknown.
        ward: the ward or division slug, if the election has several.
        aliases: other names they are known by ("Bob Smith" for "Robert Smith").
        handles: social media handles (`@bobsmith`).
        account_ids: the official accounts whose holder this candidate is (the Mayor's page),
            linked by the Clerk; never inferred from a name.
    """

    candidate_id: str
    election_id: str
    name: str
    party: str | None = None
    ward: str | None = None
    aliases: tuple[str, ...] = ()
    handles: tuple[str, ...] = ()
    account_ids: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Party:
    """
    A registered political party: its register name and the short names people write.

    Attributes:
        party_id: the Electoral Commission's id (`PP53`), or None for a policy's own entry.
        name: the name on the register.
        short_names: common short names ("Labour", "Lib Dems", "SNP").
    """

    party_id: str | None
    name: str
    short_names: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Ward:
    """
    A ward (or division) of the council and its places, for `by_election_scope: ward`.

    Attributes:
        ward_id: the slug Democracy Club uses in election ids (`redruth-north`).
        name: its name ("Redruth North").
        places: streets, estates and villages in it that a post might name.
    """

    ward_id: str
    name: str
    places: tuple[str, ...] = ()
