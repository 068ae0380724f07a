#include <stdio.h>
#include "util.h"

int main(void) {
    printf("%s: 2 + 3 = %d\n", GREETING, add(2, 3));
    return 0;
}
