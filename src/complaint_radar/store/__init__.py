"""Storage: SQLAlchemy 2 models, session factory, repositories and Alembic migrations."""
