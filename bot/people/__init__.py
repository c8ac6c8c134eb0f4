"""Who is who: the roster and deputies, registered groups, chat addresses, oversight."""
