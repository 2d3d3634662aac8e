"""Functions over a service (face layer): bulk qualification, reports, timelines, views, pandas import/export."""
