"""The rule tables of the classifier: data apart from the engine, each fact with its source."""
