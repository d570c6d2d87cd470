/* The runtime-spec "features" document (`holo features`).  */
#ifndef HOLO_FEATURES_H
#define HOLO_FEATURES_H

/* Returns the features document as a malloc'ed JSON string.  */
char *holo_features_json (void);

#endif
