"""The targets this backend defines, one module per target family."""
