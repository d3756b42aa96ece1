// Where a Kubernetes pod's processes live in the cgroup v2 tree. The kubelet
// names a pod's cgroup after its UID, in one of two layouts (its cgroup
// driver) and one of three QoS classes:
//   systemd:  /kubepods.slice/kubepods-pod<U>.slice/                 (Guaranteed)
//             /kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod<U>.slice/
//             /kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod<U>.slice/
//             with U the UID whose '-' are written '_'
//   cgroupfs: /kubepods/pod<uid>/, /kubepods/burstable/pod<uid>/,
//             /kubepods/besteffort/pod<uid>/
// A pod intent does not say which applies, so it matches all six prefixes
// (a pod lives in exactly one of them). Paths are as seen from the host's
// cgroup namespace; a kubelet inside a container (kind) nests them deeper
// and is not matched.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace scxx {

// The UID in canonical form (lower-case 8-4-4-4-12 hex, '-' separated),
// accepting '_' for '-' and upper case; nullopt when it is not a UUID.
std::optional<std::string> canonical_pod_uid(const std::string &uid);

// The six cgroup prefixes of a pod (canonical UID), each ending in '/'.
std::vector<std::string> pod_cgroup_prefixes(const std::string &canonical_uid);

} // namespace scxx
