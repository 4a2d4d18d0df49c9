"""Security and compliance: who may do what (policy), which customers they see (scope), what
they see of them (masking), and the trace every look leaves (audit). The services call these,
so the API, the web UI and the CLI cannot forget them."""
