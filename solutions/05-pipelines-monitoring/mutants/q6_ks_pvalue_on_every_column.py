"""Flags every numeric column whose Kolmogorov-Smirnov p-value is below 0.05.

Seven tests at 5 % each raise a false alarm on about a third of unchanged windows, and
categories and missing values are not looked at at all.
"""

REPLACEMENTS = {
    "q6_answer": '''def monitoring_policy(reference, window):
    """(drifted, up to 3 changed columns, most changed first) for `window` against `reference`."""
    from scipy import stats

    pvalues = {}
    for column in drift.MONITORED:
        if column in reference and column in window:
            before, after = reference[column], window[column]
            if pd.api.types.is_numeric_dtype(before) and after.notna().any():
                pvalues[column] = stats.ks_2samp(before.dropna(), after.dropna()).pvalue
    flagged = sorted((c for c, p in pvalues.items() if p < 0.05), key=pvalues.get)[:3]
    return bool(flagged), flagged''',
}
LOSES = ["q6_test"]
