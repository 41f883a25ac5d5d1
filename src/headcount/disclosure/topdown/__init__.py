"""The TopDown differentially private release (issue 14, parts 3, 4 and 6): docs/dp.md.

queries (the confidential histograms) → measure (noise: sampler) → solve (postprocess) →
release (writing, the ledger of draws) → accuracy (and accuracy_chart).
"""
