"""`python -m pipeline.word`: regenerate input_templates/年度报告模板-<format>.docx from the form spec."""

import sys

from .template import main

sys.exit(main(sys.argv[1:]))
