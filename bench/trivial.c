/* The trivial libsystemd.so.0 that the load cost is measured against (bench/run.sh): one
 * sd_notify that does nothing, in libsystemd's first version node (trivial.sym). */
int sd_notify(int unset_environment, const char *state) {
        (void)unset_environment;
        (void)state;
        return 0;
}
