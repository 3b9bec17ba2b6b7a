"""The shipment sync benchmark, by its parts (``bench/run_sync_bench.py`` is the command).

* :mod:`.common`: paths, PostgreSQL settings, phases, logging;
* :mod:`.database`: the bench database, the Odoo registry, base data, accounts, deliveries;
* :mod:`.scenario`: the generated deliveries and the changes between syncs (pure Python);
* :mod:`.timers`: the table of timed methods and the wrappers that time them;
* :mod:`.measuring`: memory sampler, memory probe, one measured sync per child process;
* :mod:`.sizes`: one size N from setup to the naive comparison;
* :mod:`.report`: goals, printed table, JSON result;
* :mod:`.naive`, :mod:`.sandbox_proc`: the naive strategy and the sandbox's own process.

Nothing here imports Odoo at module level: the command and the sandbox process load
this package without it.
"""
