"""The bronze -> silver -> gold streaming stages. The same files run locally and on Databricks."""
