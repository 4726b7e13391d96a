/* unit_event.h — what the event unit tests share: an Event holding one path
 * as a FileRead or a FileWritten. */
#ifndef MP_UNIT_EVENT_H
#define MP_UNIT_EVENT_H

#include "event.pb-c.h"

/* Makes ev (initialised) a FileRead of path, or a FileWritten when written;
 * fr and fw are the caller's, ev points at one of them. */
static inline void ut_path_event(Mlprov__Event__V1__Event *ev, Mlprov__Event__V1__FileRead *fr,
                                 Mlprov__Event__V1__FileWritten *fw, int written, const char *path) {
  *ev = (Mlprov__Event__V1__Event)MLPROV__EVENT__V1__EVENT__INIT;
  *fr = (Mlprov__Event__V1__FileRead)MLPROV__EVENT__V1__FILE_READ__INIT;
  *fw = (Mlprov__Event__V1__FileWritten)MLPROV__EVENT__V1__FILE_WRITTEN__INIT;
  if (written) {
    fw->path = (char *)path;
    ev->kind_case = MLPROV__EVENT__V1__EVENT__KIND_FILE_WRITTEN;
    ev->file_written = fw;
  } else {
    fr->path = (char *)path;
    ev->kind_case = MLPROV__EVENT__V1__EVENT__KIND_FILE_READ;
    ev->file_read = fr;
  }
}

#endif
