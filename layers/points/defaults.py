"""Default categories: the county plan's civility items (农户文明积分) and the party-member
activities (党员量化积分). Points are the defaults a recorder may change."""

from django.utils.translation import gettext_lazy as _

CIVILITY = [
    ("sanitation", _("Environment and hygiene (环境卫生)"), 5, False),
    ("customs", _("Reformed customs (移风易俗)"), 5, False),
    ("filial", _("Filial piety and family care (孝老爱亲)"), 10, False),
    ("volunteer", _("Volunteer service (志愿服务)"), 5, False),
    ("neighbours", _("Good neighbours (邻里和睦)"), 5, False),
    ("violation", _("Deduction for a violation (违规扣分)"), -10, False),
    ("shop", _("Points shop (积分超市)"), -10, True),
]
PARTY = [
    ("meetings", _("Three meetings and a lesson (三会一课)"), 2, False),
    ("post", _("Post and duty (设岗定责)"), 5, False),
    ("volunteer", _("Volunteer work (志愿服务)"), 3, False),
    ("visits", _("Household visits (入户走访)"), 1, False),
]
