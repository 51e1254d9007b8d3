"""Statistics with their sources cited: ANSI/ASQ Z1.4 sampling (sampling.py), control charts and
capability (spc.py). Pure NumPy/SciPy, below every area, so any area's rules may use them."""
