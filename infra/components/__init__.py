"""One small construct per Azure or Databricks thing, composed by the two stacks."""
