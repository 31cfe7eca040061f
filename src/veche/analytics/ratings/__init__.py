"""Department ratings (рейтингование, DOMAIN.md §4, §8 item 13): each department scored on
volume, speed, completeness, quality and satisfaction, the scores combined into one index with
the municipality's weights (`RatingPolicy`), and the reasons laid out per department.

The method, in the order it is applied:

- Counters are the daily rollups summed over the period per department (the department a
  case is with now, as everywhere in analytics).
- Every share is shrunk toward the municipality's share with an empirical-Bayes beta-binomial
  prior: the estimate is (x + m·p₀)/(n + m), the posterior mean under Beta(m·p₀, m·(1−p₀)),
  where p₀ is the municipality's pooled share in the same period and filters (the empirical
  part) and m is `RatingPolicy.prior_cases`. A department with 2 of 2 answers in time is
  therefore not ahead of one with 45 of 50: it has shown little, so it stays near p₀.
- A share component scores 100 × its shrunk share; quality is the mean of two shrunk shares,
  answers without signs of a brush-off and cases never returned for rework (each half taken
  alone when the other has no cases). Volume scores 100·ln(1 + n)/ln(1 + n_max) against the
  busiest department: the log gives a department ten times smaller half the points, not a
  tenth, so size alone does not carry the index.
- The index is the mean of the scores weighted by the policy; a component without data for a
  department (nobody rated its answers) drops out and its weight goes to the others in
  proportion, which the page says.
- Departments with fewer than `RatingPolicy.min_cases` received cases (the Ulyanovsk rule) are
  listed apart, unranked. Ranks are competition ranks on the index as shown (one decimal):
  equal indices share a place and the next place is skipped (1, 2, 2, 4).

Comparisons must not depend on who looks, so p₀, the busiest department and the ranks are
computed over the whole municipality; an actor sees the rows of the departments in their
scope (department staff their own, with its place among all). The counters are aggregates,
never a case or a citizen.

Import from here. The modules: `formula` (pure: shrinkage, scores, the index, ranks, the
reasons in words), `store` (`rate`: what it reads), `policy` (the rules, and the one service
that changes them), `workload` (the workload shown beside the rating).
"""

from veche.analytics.ratings.formula import (
    COUNTERS,
    LABELS,
    WEIGHT_FIELDS,
    Component,
    DepartmentRating,
    Part,
    Policy,
    Rating,
    Score,
    evaluate,
    method_text,
    pool_of,
    ranks,
    shrink,
    volume_points,
)
from veche.analytics.ratings.policy import (
    POLICY_FIELDS,
    may_configure,
    rating_policy,
    save_rating_policy,
)
from veche.analytics.ratings.store import rate
from veche.analytics.ratings.workload import Load, Workload, workload

__all__ = [
    "COUNTERS",
    "LABELS",
    "POLICY_FIELDS",
    "WEIGHT_FIELDS",
    "Component",
    "DepartmentRating",
    "Load",
    "Part",
    "Policy",
    "Rating",
    "Score",
    "Workload",
    "evaluate",
    "may_configure",
    "method_text",
    "pool_of",
    "ranks",
    "rate",
    "rating_policy",
    "save_rating_policy",
    "shrink",
    "volume_points",
    "workload",
]
