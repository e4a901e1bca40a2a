# shellcheck shell=bash
# Step "users": the unprivileged test users (keep in sync with test/itg/helpers/users.ts).
#   group lsfd-lab   gid 4300
#   lsfd-test        uid 4201, group lsfd-test (4201), also lsfd-lab, /home/lsfd-test
#   lsfd-test2       uid 4202, group lsfd-test2 (4202), /home/lsfd-test2
#   lsfd-dock        uid 4203, group lsfd-dock (4203), also docker, /home/lsfd-dock
# lsfd-test and lsfd-test2 are the secure deployment's users: NOT in the docker group (removed
# from it when they are), they reach the daemon only through the sudo rule (scripts/lib/sudo.sh).
# lsfd-dock is the docker-group mode's user (no boundary: whoever is in docker is root).
# Only what is missing is created; an existing name or id with other numbers is an error, never
# silently changed.

# ensure_group NAME GID: prints "created" or nothing.
ensure_group() {
  local name=$1 gid=$2 entry
  if entry=$(getent group "$name"); then
    [[ $(cut -d: -f3 <<<"$entry") == "$gid" ]] ||
      die "group $name exists with gid $(cut -d: -f3 <<<"$entry"), want $gid"
    return 0
  fi
  if entry=$(getent group "$gid"); then
    die "gid $gid is taken by group ${entry%%:*} (want $name)"
  fi
  groupadd -g "$gid" "$name" || die "groupadd -g $gid $name failed"
  CREATED+=("group $name")
}

# ensure_user NAME UID GROUP SUPPLEMENTARY(comma list, may be empty)
ensure_user() {
  local name=$1 uid=$2 group=$3 supp=$4 entry home g
  home=/home/$name
  if entry=$(getent passwd "$name"); then
    [[ $(cut -d: -f3 <<<"$entry") == "$uid" ]] ||
      die "user $name exists with uid $(cut -d: -f3 <<<"$entry"), want $uid"
    [[ $(cut -d: -f4 <<<"$entry") == "$(getent group "$group" | cut -d: -f3)" ]] ||
      die "user $name exists with primary gid $(cut -d: -f4 <<<"$entry"), want group $group"
    home=$(cut -d: -f6 <<<"$entry")
  else
    if entry=$(getent passwd "$uid"); then
      die "uid $uid is taken by user ${entry%%:*} (want $name)"
    fi
    local args=(-u "$uid" -g "$group" -m -d "$home" -s /bin/bash -c "lsf-docker test user")
    [[ -z $supp ]] || args+=(-G "$supp")
    useradd "${args[@]}" "$name" || die "useradd $name failed"
    CREATED+=("user $name")
  fi
  local have
  have=" $(id -nG "$name") "
  for g in ${supp//,/ }; do
    if [[ $have != *" $g "* ]]; then
      usermod -aG "$g" "$name" || die "usermod -aG $g $name failed"
      CREATED+=("$name in group $g")
    fi
  done
  if [[ ! -d $home ]]; then
    install -d -m 0755 -o "$uid" -g "$group" "$home"
    CREATED+=("home $home")
  fi
}

# ensure_not_in_group NAME GROUP: takes NAME out of GROUP's member list when it is there.
ensure_not_in_group() {
  local name=$1 group=$2
  [[ " $(id -nG "$name") " == *" $group "* ]] || return 0
  gpasswd -d "$name" "$group" >/dev/null || die "gpasswd -d $name $group failed"
  [[ " $(id -nG "$name") " != *" $group "* ]] ||
    die "$name is still in group $group (is it their primary group, or in another user database?)"
  CREATED+=("$name out of group $group")
}

step_users() {
  local t0
  t0=$(now)
  CREATED=()
  getent group docker >/dev/null || die "group docker missing (it comes with docker.io: scripts/provision.sh packages)"
  ensure_group lsfd-lab 4300
  ensure_group lsfd-test 4201
  ensure_group lsfd-test2 4202
  ensure_group lsfd-dock 4203
  ensure_user lsfd-test 4201 lsfd-test lsfd-lab
  ensure_user lsfd-test2 4202 lsfd-test2 ''
  ensure_user lsfd-dock 4203 lsfd-dock docker
  ensure_not_in_group lsfd-test docker
  ensure_not_in_group lsfd-test2 docker
  if ((${#CREATED[@]} == 0)); then
    say users "already present (lsfd-test, lsfd-test2, lsfd-dock, lsfd-lab)"
  else
    local IFS=,
    say users "changed: ${CREATED[*]} in $(since "$t0")"
  fi
}
