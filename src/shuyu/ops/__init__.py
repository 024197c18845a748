"""ops: the platform's own housekeeping — periodic sweeps every deadline of the rules depends on."""
