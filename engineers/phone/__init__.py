"""The engineer's phone pages, one module per topic: the job list and job (jobs), the on-site
steps (onsite), installation steps (install), parts and the van (parts), the exchange proposal
(exchanges). Thin views over the services and forms of dispatch, tickets.onsite and spareparts.

Imported only from engineers/urls.py (never from a model or another app), so the master data
in engineers.models stays importable by the apps these pages call."""
