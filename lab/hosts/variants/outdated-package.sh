# outdated-package: the pending security update (vigil-probe-demo 1.1) is not installed
security_updates() { :; }
