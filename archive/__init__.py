"""A run's memory (imported as `godelbox.archive`).

- `store.Archive`: the one read/write API the loop uses (database + code store + config snapshot);
- `models` / `db`: the SQL tables, engines, schema version and migrations;
- `codestore.CodeStore`: every agent variant as a commit in one git repository per run;
- `graph.ArchiveGraph`: the networkx view (children, clades, depth, lineage, export);
- `events`: the names of the event log's kinds (and their payloads), for writers and views;
- `candidates` / `selection`: eligible parents as columns, and the named selection policies.
"""
