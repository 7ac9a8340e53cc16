"""
The use cases: every write the API and the CLI make, each once.

One module per group; each function takes the unit of work (`app.store.unit_of_work.
UnitOfWork`: the engine, and the snapshot refresh to run after commit) and typed arguments,
checks the rules in `app.domain` inside the write (under the organisation's write lock),
stores through the write's session and `app.store.repositories`, and returns records
(`app.store.records`) or small dataclasses.

- `accounts`: propose an account; approve, suspend, reinstate, close, deactivate it.
- `dies_non`: add or remove a day of public thanksgiving or mourning.
- `elections`: add an election; record its notice date, status, start or end.
- `feeds`: create and revoke secret feed URLs; publish feeds not yet published.
- `imports`: import elections from a source (with a dry run); `import_plan` plans it.
- `keys`: create and revoke API keys.
- `organisations`: add a council from its policy file; seed one.
- `overrides`: grant, confirm, revoke an override.
- `policies`: put changed policy files in force, audited (`purdah policy reload`, and the
  server's periodic look).
- `reliance`: audit, once each, the decisions that relied on an override.
- `schedules`: recurring scheduled elections.
- `windows`: set, change and end a manual window.
"""
