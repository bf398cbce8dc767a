"""Points ledgers: household civility points (文明积分, 积分超市, 红黑榜) and party-member points."""
