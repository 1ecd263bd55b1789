import random
import time

from django.http import JsonResponse


def sync(request):
    for attempt in range(3):
        time.sleep(0.1 * attempt + random.uniform(0, 0.05))
    return JsonResponse({"synced": True})
