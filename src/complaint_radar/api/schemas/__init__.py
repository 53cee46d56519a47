"""Request and response bodies (pydantic), separate from the domain records and ORM rows."""
