"""Writes of the callbacks app, a module a topic: callback and check-back work, surveys and
ratings, free revisits and closing (callbacks side); complaints and quality reviews."""
