"""The tutor itself, free of any platform: events in, replies out, progress kept."""
