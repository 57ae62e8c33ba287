"""Assessment (考核): criteria and inspections, training, peer review and feedback, rewards and
penalties, and the monthly scores that make up each person's annual record. One module per
sub-domain, re-exported here. This app reads the other apps through their queries; it writes
only its own tables."""

from assessment.models.awards import *  # noqa: F403
from assessment.models.criteria import *  # noqa: F403
from assessment.models.feedback import *  # noqa: F403
from assessment.models.inspection import *  # noqa: F403
from assessment.models.record import *  # noqa: F403
from assessment.models.training import *  # noqa: F403
