"""Azure infrastructure as code: one CDK Terrain app, two stacks per environment."""
