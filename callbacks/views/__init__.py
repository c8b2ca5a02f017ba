"""Pages of the callbacks app, a module a topic (callback queue, rating page, complaints,
quality reviews)."""
