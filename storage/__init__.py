"""SQL storage: ORM models, repositories, the unit of work, migrations, and side stores."""
