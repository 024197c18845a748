"""Scripts that run inside the jail (see README.md); a package only so that installs ship them."""
