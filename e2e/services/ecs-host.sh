#!/bin/sh
# An ECS container instance and its containers, in Linux namespaces (driven by ecs-host.ts; root only).
#
#   ecs-host.sh host DIR            PID 1 of the instance's PID namespace, in the instance's mount
#                                   namespace: mounts the root volume (DIR/volume.img) and becomes
#                                   its init, chrooted into it, so /proc/1/mounts is the instance's table.
#   ecs-host.sh container DIR NAME CMD...
#                                   a container as Docker makes one for an ECS task, started inside
#                                   the instance's mount and PID namespaces (nsenter). Its spec comes
#                                   from the environment (ecs-host.ts): KORONET_LAYER (image layer dir
#                                   on the volume), KORONET_PID_MODE (host|task), KORONET_USER (uid:gid),
#                                   KORONET_READONLY_ROOT (true|false), KORONET_MOUNTS (lines
#                                   "hostPath containerPath", all read-only).
#   ecs-host.sh rootfs DIR NAME CMD...
#                                   (internal) the container's own mounts, in its new mount namespace.
set -eu
role=$1
dir=$2
root=$dir/root

case $role in
host)
    mount -o loop "$dir/volume.img" "$root"
    mount -t proc proc "$root/proc"
    mount -t tmpfs -o size=1m,mode=755 tmpfs "$root/run"
    # The init: chrooted into the volume, reaps orphans, exits on SIGTERM.
    exec perl -e '
        chroot($ARGV[0]) or die "chroot $ARGV[0]: $!\n";
        chdir("/") or die "chdir /: $!\n";
        $0 = "koronet-ecs-host-init $ARGV[0]";
        $SIG{TERM} = sub { exit 0 };
        while (1) { sleep 1 if wait() == -1 }
    ' "$root"
    ;;
container)
    name=$3
    shift 3
    # Docker: the image layer and the container's writable layer, overlay-mounted on the instance.
    c=/var/lib/docker/overlay2/$name
    mkdir -p "$root$c/diff" "$root$c/work" "$root$c/merged" "$root/var/lib/docker/containers/$name"
    mountpoint -q "$root$c/merged" ||
        mount -t overlay overlay -o "lowerdir=$root$KORONET_LAYER,upperdir=$root$c/diff,workdir=$root$c/work" "$root$c/merged"
    # Docker writes these per container on the instance and bind-mounts them into /etc.
    printf '127.0.0.1\tlocalhost\n' >"$root/var/lib/docker/containers/$name/hosts"
    printf '%s\n' "$name" >"$root/var/lib/docker/containers/$name/hostname"
    printf 'nameserver 127.0.0.1\n' >"$root/var/lib/docker/containers/$name/resolv.conf"
    if [ "$KORONET_PID_MODE" = host ]; then
        exec unshare --mount --propagation private -- sh "$0" rootfs "$dir" "$name" "$@"
    fi
    exec unshare --mount --pid --fork --kill-child --propagation private -- sh "$0" rootfs "$dir" "$name" "$@"
    ;;
rootfs)
    name=$3
    shift 3
    m=$root/var/lib/docker/overlay2/$name/merged
    # Host volumes: Docker binds them recursively (rbind), private, read-only as the task says.
    while read -r host ctr; do
        [ -n "$host" ] || continue
        mkdir -p "$m$ctr"
        mount --rbind "$root$host" "$m$ctr"
        mount -o remount,bind,ro "$m$ctr"
    done <<EOF
$KORONET_MOUNTS
EOF
    mkdir -p "$m/proc" "$m/sys" "$m/etc"
    # procfs of this PID namespace: the instance's with pidMode host, the container's own otherwise.
    mount -t proc proc "$m/proc"
    mount -t sysfs -o ro sysfs "$m/sys"
    for f in hosts hostname resolv.conf; do
        [ -e "$m/etc/$f" ] || : >"$m/etc/$f"
        mount --bind "$root/var/lib/docker/containers/$name/$f" "$m/etc/$f"
        # Docker makes them read-only when the root filesystem is.
        if [ "$KORONET_READONLY_ROOT" = true ]; then mount -o remount,bind,ro "$m/etc/$f"; fi
    done
    if [ "$KORONET_READONLY_ROOT" = true ]; then mount -o remount,bind,ro "$m"; fi
    exec chroot --userspec="$KORONET_USER" "$m" "$@"
    ;;
*)
    echo "ecs-host.sh: unknown role $role" >&2
    exit 2
    ;;
esac
