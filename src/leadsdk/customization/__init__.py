"""Customization: table and column metadata messages (CreateEntity, CreateAttribute, ...), system and
user views, kept in the store and replayed when it opens."""
