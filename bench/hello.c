/* hello: the smallest sd_notify client, for the load-cost measurement (bench/run.sh).
 * Linked against libsystemd.so.0 by soname; bench/run.sh builds one copy per library, each with
 * a RUNPATH naming a directory that holds only that library's libsystemd.so.0. */
int sd_notify(int unset_environment, const char *state);

int main(void) {
        return sd_notify(0, "READY=1") < 0;
}
