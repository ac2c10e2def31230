# utilities/: set-up, demo and (later) the soft fabric's programs.

EXTRA_DIST += \
	utilities/quickstart.sh \
	utilities/demo.sh

# The soft InfiniBand fabric daemon (subnet manager + switch) and its port
# protocol's specification.
EXTRA_DIST += Documentation/fabric-protocol.md
