"""Print the role matrix of the whole app, REST API and dashboard pages (docs/role_matrix.md):

python -m complaint_radar.web.role_matrix > docs/role_matrix.md
"""

from __future__ import annotations

from complaint_radar.api.access_rules import role_matrix_markdown
from complaint_radar.web import create_app


def main() -> None:
    print(role_matrix_markdown(create_app()), end="")


if __name__ == "__main__":
    main()
