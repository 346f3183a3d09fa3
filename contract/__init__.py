"""The data contract shared by the simulator, the jobs, the infrastructure and the dashboard."""
