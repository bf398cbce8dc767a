"""Default categories: data a county edits in the Django admin. The county plan's civility
items (农户文明积分) and the party-member activities (党员量化积分); points are the
defaults a recorder may change."""

# code, name, default points, redemption
CIVILITY = [
    ("sanitation", "环境卫生", 5, False),
    ("customs", "移风易俗", 5, False),
    ("filial", "孝老爱亲", 10, False),
    ("volunteer", "志愿服务", 5, False),
    ("neighbours", "邻里和睦", 5, False),
    ("violation", "违规扣分", -10, False),
    ("shop", "积分超市兑换", -10, True),
]
PARTY = [
    ("meetings", "三会一课", 2, False),
    ("post", "设岗定责", 5, False),
    ("volunteer", "志愿服务", 3, False),
    ("visits", "入户走访", 1, False),
]
