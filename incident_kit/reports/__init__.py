"""What people read about many incidents: stats, charts, the index page (pure)."""
