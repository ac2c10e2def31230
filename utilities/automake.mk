# utilities/: set-up, demo and (later) the soft fabric's programs.

EXTRA_DIST += \
	utilities/quickstart.sh \
	utilities/demo.sh
