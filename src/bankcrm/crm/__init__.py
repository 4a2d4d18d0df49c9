"""CRM operations (issue 6): customer 360, search, assignments, contacts, needs, tasks,
segments and campaigns, as services that every caller (API, web UI, CLI) shares. Every
service call takes the acting user (``Actor``) so that security can be enforced here."""
