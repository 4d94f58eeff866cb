/* Stand-in for FreeRTOS's task.h: the scheduler calls heap_chop.c makes (see
   FreeRTOS.h beside it).  SPDX-License-Identifier: MIT */
#ifndef CHOP_TEST_TASK_H
#define CHOP_TEST_TASK_H

#include "FreeRTOS.h"

void vTaskSuspendAll(void);
BaseType_t xTaskResumeAll(void);

#endif
