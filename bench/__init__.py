"""Scale: the data generator (``generate.py``, run by ``manage.py
generate_scale``) and the benchmark runner (``run.py``, run by ``make bench``).
"""
