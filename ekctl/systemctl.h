/* ekctl run as `systemctl`: the verbs kubeadm and operators type, with systemctl's exit codes. */
#ifndef EK_EKCTL_SYSTEMCTL_H
#define EK_EKCTL_SYSTEMCTL_H

int systemctl_main(int argc, char *argv[]);

#endif
