"""Background jobs (imports, large exports) and the register of exports.

A ``Job`` is one piece of long work a user started: it runs in a Celery
worker (or inline for small inputs), reports its progress, and ends with a
result (a report, a file to download). ``ExportRecord`` keeps who exported
what and when, since member data is confidential. Kinds of jobs are
registered by the apps that run them (``registry.register``).
"""
