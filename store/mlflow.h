/* mlflow.h - an MLflow file store (mlruns/) as provio records
 * (prov-merge --mlflow; docs/prov-merge.md, "MLflow runs").
 *
 * Each run becomes an activity <https://w3id.org/provio/mlflow/EXP/RUN>
 * (prov:Activity, provio:MlflowRun) with its times, name, experiment and
 * status; its params become settings, its metric histories metrics, its
 * tags labels, and each file under its artifacts a provio:artifact record
 * naming the file as the capture names it on this host.  prov-merge then
 * ties the artifact to the version the capture saw written in the run's
 * time window (derive_domain.c). */
#ifndef PROVIO_STORE_MLFLOW_H
#define PROVIO_STORE_MLFLOW_H

#include <stddef.h>
#include <stdio.h>

/* Writes the records of the file store at dir to out (a record file,
 * PV_FILE_MAGIC first).  Returns the number of runs, or -1 with a
 * one-line message in err (dir unreadable or no MLflow file store).
 * Runs or files it cannot read are left out, each with a line in warn
 * (may be NULL). */
int pv_mlflow_records(const char *dir, FILE *out, FILE *warn, char *err, size_t errlen);

#endif
