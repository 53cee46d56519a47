"""The `spark-submit` entry point: runs `complaint-radar batch ... --engine spark` on the submitted session.

    spark-submit --master yarn --conf spark.pyspark.python=python3 \
        "$(python -c 'import complaint_radar.cli.spark_job as m; print(m.__file__)')" \
        INPUT --output OUT [--id-column id --cube CUBE ...]

Every `batch` option works; the session (master, executors, memory) is the one spark-submit configured.
"""

from __future__ import annotations

import sys

from complaint_radar.cli.main import main


def run() -> None:
    sys.argv = ["complaint-radar", "batch", *sys.argv[1:], "--engine", "spark"]
    main()


if __name__ == "__main__":
    run()
