"""Batch scoring: many recordings, resumable, on local processes or a Dask cluster."""
