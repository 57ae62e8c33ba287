"""What happened on a shift: the duty log, patrols, hazards, visitors, handover, daily reports.

One module per sub-domain; this package re-exports them so ``logbook.models.X`` works.
"""

from logbook.models.handover import *  # noqa: F403
from logbook.models.hazard import *  # noqa: F403
from logbook.models.log import *  # noqa: F403
from logbook.models.patrol import *  # noqa: F403
from logbook.models.report import *  # noqa: F403
from logbook.models.visit import *  # noqa: F403
