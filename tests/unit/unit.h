/* unit.h — what every cmocka unit test includes. Tests run with TAP output
 * (tests/run sets CMOCKA_MESSAGE_OUTPUT=TAP). */
#ifndef MP_UNIT_H
#define MP_UNIT_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
/* cmocka.h needs the headers above first */
#include <cmocka.h>

#endif
